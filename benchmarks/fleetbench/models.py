from django.db import models


class Item(models.Model):
    name = models.CharField(max_length=100)
    quantity = models.IntegerField(default=0)
    sku = models.CharField(max_length=40, default="", db_index=True)
