"""Values shared by test modules (conftest modules are not importable by name: there are several)."""

PASSWORD = "correct horse battery"
