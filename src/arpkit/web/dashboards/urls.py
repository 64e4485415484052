from django.urls import path

from arpkit.web.dashboards import views

app_name = "dashboards"
urlpatterns = [
    path("", views.index, name="index"),
    path("disproportionality/", views.disproportionality, name="disproportionality"),
    path("pathway/", views.pathway, name="pathway"),
    path("recording-quality/", views.quality, name="quality"),
    path("trends/", views.trends, name="trends"),
    path("teams/", views.teams, name="teams"),
    path("download/<slug:page>.<slug:fmt>", views.download, name="download"),
    path("download/report-pack/", views.report_pack, name="report_pack"),
]
