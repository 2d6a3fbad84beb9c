"""People and organisations: users and their roles, the organisation tree, branches, shops, villages."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from treebeard.mp_tree import MP_Node
from wagtail.search import index


class Role(models.TextChoices):
    RETAILER = "retailer", _("Retailer")
    PARTY_MEMBER = "party_member", _("Party member")
    STAFF = "staff", _("Staff")
    VILLAGER = "villager", _("Villager")
    VOLUNTEER = "volunteer", _("Volunteer")
    EDITOR = "editor", _("Editor")


class OrgUnit(index.Indexed, MP_Node):
    """One node of the tree province > city > county > market department > grid."""

    class Kind(models.TextChoices):
        PROVINCE = "province", _("Province company")
        CITY = "city", _("City company")
        COUNTY = "county", _("County company")
        DEPARTMENT = "department", _("Market department")
        GRID = "grid", _("Grid")

    # Which kind may sit directly under which: the tree's rule, in one place.
    CHILD_KIND = {
        Kind.PROVINCE: Kind.CITY,
        Kind.CITY: Kind.COUNTY,
        Kind.COUNTY: Kind.DEPARTMENT,
        Kind.DEPARTMENT: Kind.GRID,
    }

    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(
        _("code"), max_length=32, unique=True, help_text=_("Stable unit code used by imports and reports.")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, db_index=True)

    node_order_by = ["code"]

    search_fields = [
        index.SearchField("name"),
        index.AutocompleteField("name"),
        index.FilterField("kind"),
    ]

    class Meta:
        verbose_name = _("organisation unit")
        verbose_name_plural = _("organisation units")

    def __str__(self) -> str:
        return self.name

    @property
    def path_names(self) -> str:
        return " / ".join(unit.name for unit in [*self.get_ancestors(), self])

    def subtree(self):
        """This unit and every unit below it, as a queryset."""
        return OrgUnit.objects.filter(path__startswith=self.path, depth__gte=self.depth)


class User(index.Indexed, AbstractUser):
    """A person; a person may hold several roles."""

    display_name = models.CharField(
        _("display name"), max_length=64, blank=True, help_text=_("The name people see, e.g. 王建国.")
    )
    phone = models.CharField(
        _("mobile phone"),
        max_length=20,
        blank=True,
        validators=[RegexValidator(r"^\+?[0-9 -]{6,20}$", _("Enter a valid phone number."))],
    )
    org_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("organisation unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="people",
        help_text=_("The unit this person belongs to: a grid for retailers, a department for staff."),
    )
    village = models.ForeignKey(
        "people.Village",
        verbose_name=_("village"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="residents",
    )

    search_fields = [
        index.SearchField("username"),
        index.SearchField("display_name"),
        index.AutocompleteField("display_name"),
        index.SearchField("phone"),
        index.FilterField("org_unit"),
    ]

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def name(self) -> str:
        return str(self)

    def role_codes(self) -> set[str]:
        # Prefetch-friendly: use the cache when `roles` was prefetched.
        return {assignment.role for assignment in self.roles.all()}

    def has_role(self, role: str) -> bool:
        return role in self.role_codes()


class RoleAssignment(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, db_index=True)
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="unique_user_role")]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_role_display()}"


class Village(index.Indexed, models.Model):
    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=32, unique=True)
    county = models.ForeignKey(
        OrgUnit,
        verbose_name=_("county"),
        on_delete=models.PROTECT,
        related_name="villages",
        limit_choices_to={"kind": OrgUnit.Kind.COUNTY},
    )
    township = models.CharField(_("township"), max_length=100, blank=True)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)

    search_fields = [
        index.SearchField("name"),
        index.AutocompleteField("name"),
        index.SearchField("township"),
        index.FilterField("county"),
    ]

    class Meta:
        verbose_name = _("village")
        verbose_name_plural = _("villages")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class PartyBranch(index.Indexed, ClusterableModel):
    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=32, unique=True)
    org_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("organisation unit"),
        on_delete=models.PROTECT,
        related_name="branches",
        help_text=_("The unit the branch belongs to, usually a market department."),
    )
    secretary = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("branch secretary"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="BranchMembership",
        related_name="branches",
        verbose_name=_("members"),
    )

    search_fields = [
        index.SearchField("name"),
        index.AutocompleteField("name"),
        index.FilterField("org_unit"),
    ]

    class Meta:
        verbose_name = _("party branch")
        verbose_name_plural = _("party branches")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class BranchMembership(models.Model):
    branch = ParentalKey(PartyBranch, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    joined_on = models.DateField(_("joined on"), null=True, blank=True)

    class Meta:
        verbose_name = _("branch membership")
        verbose_name_plural = _("branch memberships")
        constraints = [models.UniqueConstraint(fields=["branch", "user"], name="unique_branch_member")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.branch}"


class Shop(index.Indexed, models.Model):
    """A licensed retail shop (retail terminal)."""

    class DeliveryCycle(models.TextChoices):
        WEEKLY = "weekly", _("Weekly")
        BIWEEKLY = "biweekly", _("Every two weeks")
        MONTHLY = "monthly", _("Monthly")

    licence_number = models.CharField(
        _("licence number"),
        max_length=20,
        unique=True,
        validators=[RegexValidator(r"^[0-9]{12}$", _("A licence number has 12 digits."))],
    )
    name = models.CharField(_("name"), max_length=100)
    tier = models.PositiveSmallIntegerField(
        _("tier"), validators=[MinValueValidator(1), MaxValueValidator(30)], help_text=_("档位, 1 to 30.")
    )
    delivery_cycle = models.CharField(
        _("delivery cycle"), max_length=10, choices=DeliveryCycle.choices, default=DeliveryCycle.WEEKLY
    )
    grid = models.ForeignKey(
        OrgUnit,
        verbose_name=_("grid"),
        on_delete=models.PROTECT,
        related_name="shops",
        limit_choices_to={"kind": OrgUnit.Kind.GRID},
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="shops",
    )
    village = models.ForeignKey(
        Village, verbose_name=_("village"), null=True, blank=True, on_delete=models.SET_NULL, related_name="shops"
    )
    address = models.CharField(_("address"), max_length=200, blank=True)

    search_fields = [
        index.SearchField("name"),
        index.AutocompleteField("name"),
        index.SearchField("licence_number"),
        index.SearchField("address"),
        index.FilterField("tier"),
        index.FilterField("grid"),
        index.FilterField("delivery_cycle"),
    ]

    class Meta:
        verbose_name = _("shop")
        verbose_name_plural = _("shops")
        ordering = ["licence_number"]
        constraints = [
            models.CheckConstraint(condition=models.Q(tier__gte=1, tier__lte=30), name="shop_tier_1_30"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.licence_number})"


class Person(User):
    """The same people, as the Wagtail admin's "People" screen edits them.

    A proxy gets its own permissions (view/add/change/delete person), so editors can keep people's names,
    units and roles up to date without Wagtail's user-management permission, which can make administrators.
    """

    class Meta:
        proxy = True
        verbose_name = _("person")
        verbose_name_plural = _("people")
