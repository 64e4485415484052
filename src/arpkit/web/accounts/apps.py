from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "arpkit.web.accounts"
    label = "accounts"
    verbose_name = "Accounts, roles and teams"
