"""Signing in and out, two-factor authentication, and user administration."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import LoginView
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from arpkit.web.accounts import selectors, services
from arpkit.web.accounts.forms import SignInForm, TokenForm, UserForm
from arpkit.web.audit.services import record
from arpkit.web.core.access import AccessMixin, access
from arpkit.web.core.middleware import two_factor_exempt
from arpkit.web.core.permissions import Role, needs_two_factor


@method_decorator(two_factor_exempt, name="dispatch")
class SignInView(AccessMixin, LoginView):
    access = "public"
    template_name = "accounts/login.html"
    form_class = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        record("auth.login", actor=self.request.user, request=self.request)
        if needs_two_factor(self.request.user):
            nxt = self.get_redirect_url()
            url = reverse("accounts:two_factor")
            return redirect(f"{url}?next={nxt}" if nxt else url)
        return response

    def form_invalid(self, form):
        record("auth.login_failed", request=self.request,
               extra={"username_length": len(form.data.get("username", ""))})
        return super().form_invalid(form)


@require_POST
@two_factor_exempt
@access("signed_in")
def sign_out(request: HttpRequest) -> HttpResponse:
    record("auth.logout", actor=request.user, request=request)
    logout(request)
    messages.success(request, "You have signed out.")
    return redirect("accounts:login")


def _safe_next(request: HttpRequest) -> str:
    nxt = request.GET.get("next") or request.POST.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()},
                                              require_https=request.is_secure()):
        return nxt
    return reverse("core:home")


@two_factor_exempt
@access("signed_in")
def two_factor(request: HttpRequest) -> HttpResponse:
    """Set up (first time) or pass TOTP two-factor authentication.

    Setting up shows the secret as a QR code and as text for manual entry; the device is only
    confirmed once the user proves they can generate a code from it.
    """
    user = request.user
    device = TOTPDevice.objects.devices_for_user(user, confirmed=True).first()
    setting_up = device is None
    if setting_up:
        device = TOTPDevice.objects.devices_for_user(user, confirmed=False).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="Authenticator app",
                                               confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            if setting_up:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                record("auth.two_factor_setup", actor=user, request=request)
            otp_login(request, device)
            record("auth.two_factor_verified", actor=user, request=request)
            return redirect(_safe_next(request))
        record("auth.two_factor_failed", actor=user, request=request)
        form.add_error("token", "The code is wrong or has expired. Enter the latest code")
    context = {"form": form, "setting_up": setting_up, "next": request.GET.get("next", "")}
    if setting_up:
        context["qr_svg"] = segno.make(device.config_url, error="m").svg_inline(
            scale=4, omitsize=True, title="QR code for your authenticator app")
        context["secret"] = _group(device_secret_base32(device))
    return render(request, "accounts/two_factor.html", context)


def device_secret_base32(device: TOTPDevice) -> str:
    import base64

    return base64.b32encode(device.bin_key).decode().rstrip("=")


def _group(secret: str) -> str:
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


@access("accounts.manage")
def users(request: HttpRequest) -> HttpResponse:
    people = selectors.users_visible_to(request.user)
    return render(request, "accounts/users.html", {"people": people})


@access("accounts.manage")
def user_create(request: HttpRequest) -> HttpResponse:
    form = UserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        password = services.generate_password()
        person = services.create_user(
            username=data["username"], password=password, roles=data["roles"],
            teams=data["teams"], manages_teams=data["manages_teams"],
            first_name=data["first_name"], last_name=data["last_name"], email=data["email"],
            by=request.user)
        return render(request, "accounts/user_created.html",
                      {"person": person, "password": password})
    return render(request, "accounts/user_form.html", {"form": form, "editing": None})


@access("accounts.manage")
def user_edit(request: HttpRequest, user_id: int) -> HttpResponse:
    person = selectors.user_for_admin(request.user, user_id)
    if person is None:
        raise Http404
    initial = {"username": person.username, "first_name": person.first_name,
               "last_name": person.last_name, "email": person.email,
               "roles": person.role_names(),
               "teams": list(selectors.teams_of(person)),
               "manages_teams": person.memberships.filter(is_manager=True).exists()}
    form = UserForm(request.POST or None, initial=initial, editing=person)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person.first_name, person.last_name = data["first_name"], data["last_name"]
        person.email = data["email"]
        person.save(update_fields=["first_name", "last_name", "email"])
        services.set_roles(user=person, roles=[Role(r) for r in data["roles"]],
                           by=request.user)
        services.set_teams(user=person, teams=data["teams"], manages=data["manages_teams"])
        messages.success(request, f"Saved {person.username}.")
        return redirect("accounts:users")
    return render(request, "accounts/user_form.html", {"form": form, "editing": person})
