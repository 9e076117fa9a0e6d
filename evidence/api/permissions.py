from rest_framework.permissions import SAFE_METHODS, DjangoModelPermissions


class CuratorWriteOrReadOnly(DjangoModelPermissions):
    """Anyone may read; writing needs the model's add/change/delete permission (Curators group)."""

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        return super().has_permission(request, view)
