"""Models of the learning app: taxonomy, the shared page base and knowledge page types."""

from learning.models.base import (  # noqa: F401
    BasePage,
    KnowledgePage,
    KnowledgePageTag,
    VisiblePageManager,
    VisiblePageQuerySet,
)
from learning.models.pages import (  # noqa: F401
    CaseStudyIndexPage,
    CaseStudyPage,
    IndexPage,
    LearningHistoryIndexPage,
    LearningHistoryPage,
    MethodIndexPage,
    MethodPage,
    RegionFeaturedItem,
    RegionIndexPage,
    RegionPage,
    ThemeFeaturedItem,
    ThemeIndexPage,
    ThemePage,
)
from learning.models.reuse import ReuseLink  # noqa: F401
from learning.models.taxonomy import (  # noqa: F401
    DeliveryLevel,
    Organisation,
    Region,
    ServiceFunction,
    Theme,
    TransformationModel,
)
