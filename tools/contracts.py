"""import-linter contracts of our own (configured in pyproject.toml, run by `make check`).

- `role_layers`: no import runs back up the layers of tools/layers.py (a model importing a
  service, a service a view, anything the factory), and no feature imports another
  feature's views.
- `test_modules_apart`: a test module imports no other test module; what tests share lives
  in conftest.py or a helpers module.

Every import counts, also one inside a function: a lazy import still ties the modules.
"""

from __future__ import annotations

from grimp import ImportGraph
from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck

from tools.layers import NAMES, VIEWS, feature, is_test_module, layer


def _arrows(graph: ImportGraph, root: str):
    for importer in sorted(graph.modules):
        if importer != root and not importer.startswith(root + "."):
            continue
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            if imported == root or imported.startswith(root + "."):
                yield importer, imported


def _details(graph: ImportGraph, importer: str, imported: str) -> list[str]:
    return [f"{importer}:{d['line_number']}: {d['line_contents']}"
            for d in graph.get_import_details(importer=importer, imported=imported)]


class _Listed(Contract):
    def render_broken_contract(self, check: ContractCheck) -> None:
        for problem, lines in check.metadata["problems"]:
            output.print_error(problem, bold=True)
            output.indent_cursor()
            for line in lines:
                output.print_error(line, bold=False)
            output.new_line()


class RoleLayersContract(_Listed):
    type_name = "role_layers"
    root = fields.StringField()

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        problems = []
        for importer, imported in _arrows(graph, str(self.root)):
            up, down = layer(imported), layer(importer)
            if up > down:
                problems.append((f"{importer} ({NAMES[down]}) imports {imported} "
                                 f"({NAMES[up]})", _details(graph, importer, imported)))
            elif up == down == VIEWS and feature(importer) != feature(imported):
                problems.append((f"{importer} imports another feature's views, {imported}",
                                 _details(graph, importer, imported)))
        return ContractCheck(kept=not problems, metadata={"problems": problems})


class TestModulesApartContract(_Listed):
    type_name = "test_modules_apart"
    root = fields.StringField()

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        problems = [(f"{importer} imports the test module {imported}",
                     _details(graph, importer, imported))
                    for importer, imported in _arrows(graph, str(self.root))
                    if is_test_module(importer) and is_test_module(imported)]
        return ContractCheck(kept=not problems, metadata={"problems": problems})
