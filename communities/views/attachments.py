"""(being written)"""


def download(request, pk, name):
    raise NotImplementedError
