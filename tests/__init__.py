"""minikeras's tests, laid out like the package (one folder per package)."""
