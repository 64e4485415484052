from django.urls import path

from arpkit.web.thinking_tool import views

app_name = "thinking_tool"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.start, name="start"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/answers/", views.edit, name="edit"),
    path("<int:pk>/sign-off/", views.review, name="review"),
    path("child/", views.find_child, name="find_child"),
    path("child/<str:child_key>/", views.timeline, name="timeline"),
    path("prompts/", views.prompts, name="prompts"),
    path("prompts/<int:pk>/", views.prompt_edit, name="prompt_edit"),
    path("measures/", views.measures_view, name="measures"),
]
