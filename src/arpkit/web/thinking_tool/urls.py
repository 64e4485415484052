app_name = "thinking_tool"
urlpatterns: list = []
