urlpatterns: list = []  # filled by the quote work
