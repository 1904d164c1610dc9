"""The closed network: every page needs an account.

Pages marked with ``login_not_required`` (sign-in, sign-up, password reset,
legal pages) are the exceptions. API views are left to Django REST framework,
which answers 401/403 with a JSON reason instead of a redirect.
"""

from django.contrib.auth.middleware import LoginRequiredMiddleware
from rest_framework.views import APIView


class ClosedNetworkMiddleware(LoginRequiredMiddleware):
    def process_view(self, request, view_func, view_args, view_kwargs):
        view_class = getattr(view_func, "cls", None)
        if isinstance(view_class, type) and issubclass(view_class, APIView):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
