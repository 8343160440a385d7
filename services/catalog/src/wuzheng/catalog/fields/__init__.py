"""The field library (标准字段库): standard form fields mapped to licence fields."""
