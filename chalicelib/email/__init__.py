"""Email: every message's content (jinja2 templates) and its MIME; ``chalicelib.aws.mailer`` sends it through SES."""
