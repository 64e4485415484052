app_name = "speakup"
urlpatterns: list = []
