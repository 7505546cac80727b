app_name = "webhooks-api"

urlpatterns: list = []
