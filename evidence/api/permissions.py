from rest_framework.exceptions import MethodNotAllowed
from rest_framework.permissions import SAFE_METHODS, DjangoModelPermissions


class CuratorWriteOrReadOnly(DjangoModelPermissions):
    """Anyone may read; writing needs the model's permission (Curators group). A method the endpoint does
    not offer is a 405 for everyone, checked first: a 403 would say a role could do what nobody can."""

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        if request.method not in view.allowed_methods:
            raise MethodNotAllowed(request.method)
        return super().has_permission(request, view)
