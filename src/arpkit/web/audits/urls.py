from django.urls import path

from arpkit.web.audits import configuration_views as config
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
    path("cases/<int:pk>/escalation/", views.escalation, name="escalation"),
    path("my-cases/", views.my_cases, name="my_cases"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    # configuration: questionnaires, grading scales and comment themes
    path("settings/", config.configuration_home, name="configuration"),
    path("settings/questionnaires/new/", config.questionnaire_start,
         name="questionnaire_start"),
    path("settings/questionnaires/<int:pk>/", config.questionnaire_detail,
         name="questionnaire"),
    path("settings/questionnaires/<int:pk>/new-version/", config.questionnaire_new_version,
         name="questionnaire_new_version"),
    path("settings/questionnaires/<int:pk>/publish/", config.questionnaire_publish,
         name="questionnaire_publish"),
    path("settings/questionnaires/<int:pk>/sections/new/", config.section_create,
         name="section_create"),
    path("settings/sections/<int:pk>/", config.section_edit, name="section_edit"),
    path("settings/sections/<int:pk>/arrange/", config.section_arrange,
         name="section_arrange"),
    path("settings/sections/<int:pk>/questions/new/", config.question_create,
         name="question_create"),
    path("settings/questions/<int:pk>/", config.question_edit, name="question_edit"),
    path("settings/questions/<int:pk>/arrange/", config.question_arrange,
         name="question_arrange"),
    path("settings/scales/new/", config.scale_start, name="scale_start"),
    path("settings/scales/<int:pk>/", config.scale_detail, name="scale"),
    path("settings/scales/<int:pk>/new-version/", config.scale_new_version,
         name="scale_new_version"),
    path("settings/scales/<int:pk>/publish/", config.scale_publish, name="scale_publish"),
    path("settings/scales/<int:pk>/grades/new/", config.level_create, name="level_create"),
    path("settings/grades/<int:pk>/", config.level_edit, name="level_edit"),
    path("settings/grades/<int:pk>/arrange/", config.level_arrange, name="level_arrange"),
    path("settings/themes/", config.themes, name="themes"),
    path("settings/themes/<int:pk>/retire/", config.theme_retire, name="theme_retire"),
]
