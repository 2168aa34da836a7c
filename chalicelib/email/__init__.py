"""Email: message building (jinja2 templates, MIME) and the SES mailer."""
