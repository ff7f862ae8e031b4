"""The REST API (/api/v1/): cases, their people and their visits, through the same door.

Views fetch through `casework.access` and `casework.selectors`, write through
`casework.services`, and audit every read with `casework.audit.audit_view`; serializers only
shape data in and out.
"""
