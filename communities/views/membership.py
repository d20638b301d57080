"""(being written)"""


def accept_invitation(request, token):
    raise NotImplementedError
