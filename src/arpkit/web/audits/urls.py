from django.urls import path

from arpkit.web.audits import views

app_name = "audits"
urlpatterns = [
    path("", views.rounds, name="rounds"),
    path("new/", views.round_create, name="round_create"),
    path("rounds/<int:pk>/", views.round_detail, name="round"),
    path("rounds/<int:pk>/check-draw/", views.round_verify, name="round_verify"),
    path("rounds/<int:pk>/findings/", views.round_findings, name="findings"),
    path("rounds/<int:pk>/findings.xlsx", views.findings_export, name="findings_export"),
    path("cases/<int:pk>/assign/", views.case_assign, name="assign"),
    path("my-cases/", views.my_cases, name="my_cases"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
]
