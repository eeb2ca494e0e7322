from tests.cogs.badges.rig import make_rig

__all__ = ["make_rig"]
