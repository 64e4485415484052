from django.urls import path

from arpkit.web.learning import views

app_name = "learning"
urlpatterns = [
    path("", views.index, name="index"),
    path("mine/", views.my_learning, name="my_learning"),
    path("courses/new/", views.course_create, name="course_create"),
    path("courses/<int:course_id>/", views.course, name="course"),
    path("courses/<int:course_id>/schedule/", views.session_create, name="session_create"),
    path("courses/<int:course_id>/feedback/", views.feedback_trends, name="feedback_trends"),
    path("sessions/<int:session_id>/", views.session, name="session"),
    path("sessions/<int:session_id>/book/", views.book, name="book"),
    path("sessions/<int:session_id>/cancel/", views.cancel_booking, name="cancel_booking"),
    path("sessions/<int:session_id>/feedback/", views.feedback, name="feedback"),
    path("sessions/<int:session_id>/attendance/", views.attendance, name="attendance"),
    path("sessions/<int:session_id>/attendance/upload/", views.attendance_upload,
         name="attendance_upload"),
    path("sessions/<int:session_id>/results/", views.feedback_results, name="feedback_results"),
    path("coverage/", views.coverage_view, name="coverage"),
    path("coverage/targets/new/", views.target_create, name="target_create"),
]
