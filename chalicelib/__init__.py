"""Email Report service: scheduled PDF security reports and instant email notifications."""
