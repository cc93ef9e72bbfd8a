"""The data model. Import from here; the modules split it by subject."""

from eqia.models.assessment import (
    ACCEPTED,
    ACTION_CLOSED,
    ACTION_EVIDENCE_MAX,
    ACTION_NOTE_MAX,
    ACTION_DROPPED,
    ACTION_PROGRESS_STATUSES,
    ACTION_STATUSES,
    CHALLENGE_RESPONSES,
    CHALLENGE_STATUSES,
    OVERALL,
    POINT_STATUSES,
    TO_CORRECT,
    CONTINUE_DESPITE_ADVERSE,
    EVIDENCE_KINDS,
    OUTCOMES,
    REVIEW_ACTUALS,
    REVIEW_NEXT_STEPS,
    SCREENING_PROPOSALS,
    Action,
    ActionUpdate,
    Assessment,
    AssessmentDocument,
    AssessmentOutcome,
    AssessmentViewer,
    ChallengeComment,
    ChallengeRound,
    CharacteristicImpact,
    Consultation,
    DraftRender,
    EvidenceItem,
    ImpactAim,
    ReferenceCounter,
    ReviewOutcome,
    ScreeningAnswer,
    SectionCompletion,
    SignOff,
    impact_evidence,
)
from eqia.models.audit import GENESIS_HASH, AuditChainHead, AuditEvent, OutboxMessage, RestoredAuditEvent
from eqia.models.cumulative import CumulativeCoverage, CumulativeGroupJudgement, CumulativeJudgement
from eqia.models.golden_thread import OBJECTIVE_KINDS, ObjectiveTag, ServiceObjective
from eqia.models.notifications import Notification, NotificationPreference
from eqia.models.people import (ApiToken, Directorate, IdentityConfirmation, LeadDirectorate, PasswordLink, RecoveryCode,
                                 ServiceArea, User, UserRole, UserSession)
from eqia.models.figures import FigureActivity, FigureCount, FigureImpact, FigureRun, FigureVersion
from eqia.models.framework import FrameworkAssessment, FrameworkEvidence, FrameworkRating
from eqia.models.periodic import PeriodicRun
from eqia.models.plans import (
    FRAMEWORK_MODULES,
    RESPONSES,
    ActionPlan,
    PlanRow,
    PlanRowUpdate,
    PlanTheme,
)
from eqia.models.programme import RELEVANCES, Activity, ActivityAssessment
from eqia.models.types import DATABASE_INT_MAX, UTCDateTime, utcnow

__all__ = [
    "CumulativeCoverage", "CumulativeGroupJudgement", "CumulativeJudgement",
    "DATABASE_INT_MAX", "OBJECTIVE_KINDS", "ObjectiveTag", "ServiceObjective", "RELEVANCES", "Activity", "ActivityAssessment",
    "FRAMEWORK_MODULES", "RESPONSES", "ActionPlan", "PlanRow", "PlanRowUpdate", "PlanTheme",
    "ApiToken",
    "FigureActivity", "FigureCount", "FigureImpact", "FigureRun", "FigureVersion",
    "FrameworkAssessment", "FrameworkEvidence", "FrameworkRating",
    "ACCEPTED", "CHALLENGE_RESPONSES", "CHALLENGE_STATUSES", "OVERALL", "POINT_STATUSES", "TO_CORRECT",
    "ACTION_CLOSED", "ACTION_DROPPED", "ACTION_EVIDENCE_MAX", "ACTION_NOTE_MAX", "ACTION_PROGRESS_STATUSES", "ActionUpdate",
    "ACTION_STATUSES", "CONTINUE_DESPITE_ADVERSE", "EVIDENCE_KINDS", "OUTCOMES", "SCREENING_PROPOSALS",
    "SectionCompletion", "Action", "Assessment", "AssessmentDocument", "AssessmentOutcome", "AssessmentViewer", "AuditChainHead",
    "AuditEvent", "ChallengeComment", "ChallengeRound", "CharacteristicImpact", "Consultation", "Directorate", "DraftRender",
    "LeadDirectorate", "ServiceArea", "IdentityConfirmation",
    "EvidenceItem", "ImpactAim", "GENESIS_HASH", "Notification", "NotificationPreference", "OutboxMessage", "PasswordLink", "PeriodicRun",
    "ReferenceCounter", "REVIEW_ACTUALS", "REVIEW_NEXT_STEPS", "ReviewOutcome", "RestoredAuditEvent", "ScreeningAnswer",
    "SignOff", "User",
    "RecoveryCode", "UserRole", "UserSession", "UTCDateTime", "impact_evidence", "utcnow",
]
