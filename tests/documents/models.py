from django.db import models

from kehu.customers.models import Customer


class StandInInvoice(models.Model):
    """Refers to a customer the way sales documents will: protecting it from deletion."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    number = models.CharField(max_length=20)

    class Meta:
        verbose_name = "stand-in invoice"
        verbose_name_plural = "stand-in invoices"

    def __str__(self):
        return self.number
