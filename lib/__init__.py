"""Library behind the notebooks: rebuilding POD-rapport 7/2024's staffing model and Table 1."""
