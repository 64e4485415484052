from django.urls import path

from arpkit.web.programme import views

app_name = "programme"
urlpatterns = [
    path("", views.register, name="register"),
    path("objectives/<int:objective_id>/", views.objective, name="objective"),
    path("objectives/<int:objective_id>/edit/", views.objective_edit, name="objective_edit"),
    path("objectives/<int:objective_id>/measures/new/", views.measure_create,
         name="measure_create"),
    path("measures/<int:measure_id>/", views.measure, name="measure"),
    path("measures/<int:measure_id>/edit/", views.measure_edit, name="measure_edit"),
    path("measures/<int:measure_id>/values/", views.observation_add, name="observation_add"),
    path("measures/<int:measure_id>/refresh/", views.measure_refresh, name="measure_refresh"),
    path("log/", views.log, name="log"),
    path("log/new/", views.log_create, name="log_create"),
    path("log/<int:entry_id>/", views.log_edit, name="log_edit"),
    path("engagement/", views.engagements, name="engagements"),
    path("engagement/new/", views.engagement_create, name="engagement_create"),
    path("engagement/<int:engagement_id>/", views.engagement_edit, name="engagement_edit"),
    path("highlight/", views.highlight_report, name="highlight"),
    path("highlight.pdf", views.highlight_pdf, name="highlight_pdf"),
    path("regional/", views.regional_view, name="regional"),
]
