"""The sandbox's own control plane under /__mock."""
