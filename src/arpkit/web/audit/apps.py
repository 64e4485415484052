from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "arpkit.web.audit"
    label = "audit"
    verbose_name = "Audit log"
