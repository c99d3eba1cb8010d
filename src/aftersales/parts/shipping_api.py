"""(being written)"""


def register(router):
    pass
