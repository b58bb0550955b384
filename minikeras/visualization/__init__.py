"""Model summaries (plots come in a later issue)."""
from minikeras.visualization.summary import print_summary
