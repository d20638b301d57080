"""(being written)"""


def edit_profile(request):
    raise NotImplementedError


def member_profile(request, username):
    raise NotImplementedError
