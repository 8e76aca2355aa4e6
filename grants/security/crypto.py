"""Field encryption: AES-256-GCM with a random nonce per value and key ids.

Stored layout (bytes): version (1) | key-id length (1) | key id | nonce (12) | ciphertext+tag.
The associated data binds a ciphertext to its table and column, so a value copied into
another column does not decrypt. The first key in DATA_KEYS encrypts; every listed key
decrypts, which lets a later rotation re-encrypt in batches while old rows stay readable.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

VERSION = 1
NONCE_BYTES = 12


class CryptoError(ValueError):
    """A key is missing, malformed, or a ciphertext does not verify."""


@dataclass(frozen=True)
class Keyring:
    current_id: str
    keys: dict[str, bytes]

    @classmethod
    def parse(cls, spec: str) -> Keyring:
        """Read `id:base64key,id2:base64key`; the first entry is the current key."""
        keys: dict[str, bytes] = {}
        order: list[str] = []
        for part in (p.strip() for p in spec.split(",")):
            if not part:
                continue
            kid, sep, b64 = part.partition(":")
            if not sep or not kid or len(kid) > 32:
                raise CryptoError("DATA_KEYS entries look like id:base64key")
            try:
                key = base64.urlsafe_b64decode(b64.encode())
            except ValueError as exc:
                raise CryptoError(f"DATA_KEYS key {kid!r} is not base64") from exc
            if len(key) != 32:
                raise CryptoError(f"DATA_KEYS key {kid!r} must be 32 bytes")
            keys[kid] = key
            order.append(kid)
        if not order:
            raise CryptoError("DATA_KEYS holds no key")
        return cls(order[0], keys)

    def encrypt(self, plaintext: bytes, context: str) -> bytes:
        kid = self.current_id.encode()
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(self.keys[self.current_id]).encrypt(nonce, plaintext, _aad(context))
        return bytes([VERSION, len(kid)]) + kid + nonce + sealed

    def decrypt(self, blob: bytes, context: str) -> bytes:
        if len(blob) < 2 or blob[0] != VERSION:
            raise CryptoError("unknown ciphertext version")
        kid_len = blob[1]
        kid = blob[2 : 2 + kid_len].decode()
        key = self.keys.get(kid)
        if key is None:
            raise CryptoError(f"no key {kid!r} in DATA_KEYS")
        start = 2 + kid_len
        nonce, sealed = blob[start : start + NONCE_BYTES], blob[start + NONCE_BYTES :]
        try:
            return AESGCM(key).decrypt(nonce, sealed, _aad(context))
        except Exception as exc:  # InvalidTag: never echo the data
            raise CryptoError("ciphertext does not verify") from exc

    @staticmethod
    def key_id_of(blob: bytes) -> str:
        return blob[2 : 2 + blob[1]].decode()


def _aad(context: str) -> bytes:
    return b"grants-field:" + context.encode()
