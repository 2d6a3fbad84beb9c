"""Who an actor is: the inverse functional identifier that indexes statements, and our own user
when the actor is one of ours."""

from django.conf import settings
from django.contrib.auth import get_user_model


def actor_ifi(agent: dict) -> str:
    """A canonical string for an Agent or identified Group (mbox, mbox_sha1sum, openid or account)."""
    if "mbox" in agent:
        return "mbox:" + agent["mbox"].lower()
    if "mbox_sha1sum" in agent:
        return "mbox_sha1sum:" + agent["mbox_sha1sum"].lower()
    if "openid" in agent:
        return "openid:" + agent["openid"]
    if "account" in agent:
        account = agent["account"]
        return f"account:{account['homePage']}|{account['name']}"
    # An anonymous group: identified only by its members.
    members = sorted(actor_ifi(member) for member in agent.get("member", []))
    return "group:" + ",".join(members)


def user_for_actor(agent: dict):
    """Our user when the agent is an account on this platform, else None."""
    account = agent.get("account")
    if not account or account.get("homePage") != settings.XAPI_ACCOUNT_HOMEPAGE:
        return None
    return get_user_model().objects.filter(username=account.get("name")).first()


def users_for_actors(agents: list[dict]) -> dict:
    """Our users named by these agents' accounts, by username, in one query (empty when none is ours)."""
    names = {
        agent["account"].get("name")
        for agent in agents
        if "account" in agent and agent["account"].get("homePage") == settings.XAPI_ACCOUNT_HOMEPAGE
    }
    if not names:
        return {}
    return {user.username: user for user in get_user_model().objects.filter(username__in=names)}
