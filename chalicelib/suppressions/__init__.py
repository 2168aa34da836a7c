"""The tenant's suppression list: addresses that hard-bounced or complained, and SES's feedback that fills it."""
