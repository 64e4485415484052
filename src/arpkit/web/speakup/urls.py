"""Speak up (/speak-up/): the reporting journey, case handling and the learning dashboard."""

from django.urls import path

from arpkit.web.speakup import views

app_name = "speakup"
urlpatterns = [
    path("", views.start, name="start"),
    path("anonymous/", views.report_anonymous, name="report_anonymous"),
    path("named/", views.report_named, name="report_named"),
    path("receipt/", views.receipt, name="receipt"),
    path("receipt/reply/", views.receipt_reply, name="receipt_reply"),
    path("my-reports/", views.my_reports, name="my_reports"),
    path("my-reports/<uuid:report_id>/", views.my_report, name="my_report"),
    path("cases/", views.cases, name="cases"),
    path("cases/<uuid:report_id>/", views.case, name="case"),
    path("cases/<uuid:report_id>/take/", views.case_take, name="case_take"),
    path("cases/<uuid:report_id>/download/", views.case_download, name="case_download"),
    path("cases/<uuid:report_id>/attachments/<uuid:attachment_id>/", views.case_attachment,
         name="case_attachment"),
    path("learning/", views.learning, name="learning"),
    path("learning/export.<str:fmt>", views.learning_export, name="learning_export"),
]
