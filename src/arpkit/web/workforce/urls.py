from django.urls import path

from arpkit.web.workforce import views

app_name = "workforce"
urlpatterns = [
    path("", views.dashboard_view, name="dashboard"),
    path("download.xlsx", views.download, name="download"),
    path("imports/", views.imports, name="imports"),
    path("imports/<int:import_id>/", views.import_detail, name="import_detail"),
]
