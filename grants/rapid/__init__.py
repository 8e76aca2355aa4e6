"""Rapid response (issue 7): the emergency request a defender, or a partner for them, files
in one visit, the decision clock it starts, the officer's decision (money ready to send at
once) and what follows the crisis."""
