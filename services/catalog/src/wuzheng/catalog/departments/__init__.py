"""Departments (市直部门 and public-service units) and the issuer codes they sign under."""
