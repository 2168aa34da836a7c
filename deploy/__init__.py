"""Build steps of the deployment bundle that ``chalice package`` leaves out."""
