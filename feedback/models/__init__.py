from .feedback import FeedbackAnswer, FeedbackQuestion, FeedbackResponse, QuestionKind
from .ideas import ImprovementIdea
from .journal import CodeTheme, JournalEntry, JournalTemplate
from .measures import MeasureKind, MeasureResponse, WellbeingMeasure
from .wellbeing import WellbeingCheckIn

__all__ = [
    "CodeTheme",
    "FeedbackAnswer",
    "FeedbackQuestion",
    "FeedbackResponse",
    "ImprovementIdea",
    "JournalEntry",
    "JournalTemplate",
    "MeasureKind",
    "MeasureResponse",
    "QuestionKind",
    "WellbeingCheckIn",
    "WellbeingMeasure",
]
