"""(being written)"""


def acceptance_needed(order) -> str:
    return ""
