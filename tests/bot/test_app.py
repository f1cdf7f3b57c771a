"""Which judge the settings pick: the rules alone, a judge server, or the answer server (never a download)."""

from bot.app import create_engine, create_judge
from bot.settings import Settings


def test_the_settings_pick_the_judge():
    assert create_judge(Settings(judge="rules", _env_file=None)) is None
    by_url = create_judge(Settings(judge_url="http://127.0.0.1:9/v1", llm_url="http://127.0.0.1:8/v1", _env_file=None))
    assert "127.0.0.1:9" in by_url.name  # its own server first
    by_answer_server = create_judge(Settings(llm_url="http://127.0.0.1:8/v1", _env_file=None))
    assert "127.0.0.1:8" in by_answer_server.name


def test_an_engine_handed_a_model_judges_by_the_rules_unless_handed_a_judge(small_library):
    class Model:
        name = "handed"

    engine = create_engine(Settings(data_dir=small_library.data_dir, _env_file=None), small_library, llm=Model())
    assert engine.judge() == (None, "")

    class Judge:
        name, failure = "handed judge", ""

        def entails(self, claim, evidence, source):
            return True

        def states_firmly(self, claim, evidence, source):
            return False

    judged = create_engine(Settings(data_dir=small_library.data_dir, _env_file=None), small_library, llm=Model(),
                           judge=Judge())  # fmt: skip
    assert judged.judge()[0].name == "handed judge"
    report = judged.check("St Helens care leavers were judged outstanding in 2023.")
    assert report.judged_by == "handed judge" and report.claims[0].verdict == "supported"
