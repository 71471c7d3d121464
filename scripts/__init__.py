"""Tools: the test runner (test.sh), a throwaway PostgreSQL (pgserver), a local Ray cluster (ray_cluster) and
the recipe of the shipped model. Run from the repository root as modules: ``python -m scripts.ray_cluster``."""
