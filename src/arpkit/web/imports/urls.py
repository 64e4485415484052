from django.urls import path

from arpkit.web.imports import views

app_name = "imports"
urlpatterns = [
    path("", views.jobs, name="jobs"),
    path("upload/", views.upload, name="upload"),
    path("<uuid:job_id>/", views.job, name="job"),
    path("<uuid:job_id>/status.json", views.job_status, name="job_status"),
    path("<uuid:job_id>/roll-back/", views.rollback, name="rollback"),
]
