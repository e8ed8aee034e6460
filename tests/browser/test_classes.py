"""The teacher's board and a student in the spotlight, in Chromium.

Twelve students simulated by scripts (tests/students.py) join a class made
by the /teach page; the board shows each one's live thumbnail, names as
text. A student page joins through the join dialog, is shown the teacher's
own run when the teacher spotlights it, and makes it its own.
Screenshots: docs/board.png and docs/spotlight.png.
"""
from __future__ import annotations

import shutil

import pytest
import students

from .conftest import ARTIFACTS, HANG_SECONDS, Watch

ROOT = ARTIFACTS.parents[1]
NAMES = ["Ann", "<b>Eve</b>", "李雷", "Bob", "Chen Wei", "Dee", "Fay", "Gus", "Hal", "Ivy", "Jo",
         "Kai"]


@pytest.fixture
def board(context, server):
    """The /teach page, its class made; (page, watch, code)."""
    page = context.new_page()
    page.set_default_timeout(HANG_SECONDS * 1000)
    watch = Watch(page)
    page.goto(server + "/teach?new=1")
    watch.wait_for(lambda: page.evaluate("window.nnpgBoard.klass"), what="a class")
    watch.wait_for(lambda: watch.last("board"), what="the first board update")
    yield page, watch, page.evaluate("window.nnpgBoard.klass.code")
    assert not watch.errors and not watch.foreign_requests()
    page.close()


def simulated(server, code, n=12):
    group = [students.Student(name, play=i % 4 != 3) for i, name in enumerate(NAMES[:n])]
    group[5].config = {"learning_rate": 20.0, "init": "he", "hidden_sizes": [100, 100],
                       "activation": "leaky_relu"}  # diverges once it plays: needs help
    group[5].play = False
    return students.Classroom(server.replace("http", "ws"), code, group)


def save_shot(page, name):
    path = ARTIFACTS / name
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path))
    shutil.copy(path, ROOT / "docs" / name)


def drawn_per_tile(page):
    return page.evaluate("Object.fromEntries([...document.querySelectorAll('.tile')]"
                         ".map((li) => [li.dataset.session, Number(li.dataset.drawn || 0)]))")


def test_the_board_shows_twelve_live_thumbnails(board, server):
    page, watch, code = board
    with simulated(server, code) as room:
        watch.wait_for(lambda: room.joined.is_set(), what="12 students joined")
        watch.wait_for(lambda: page.evaluate("window.nnpgBoard.thumbnailsDrawn") == 12,
                       what="12 thumbnails drawn")
        assert page.locator(".tile").count() == 12
        # names are text: the markup a student typed is shown, not applied
        assert sorted(page.locator(".tile-name").all_text_contents()) == sorted(NAMES)
        assert page.locator(".student-grid b, .student-grid img").count() == 0
        # live: every playing student's thumbnail is drawn again as it learns
        playing = {s.session for s in room.students if s.play}
        before = drawn_per_tile(page)
        watch.wait_for(lambda: all(drawn_per_tile(page)[sid] > before[sid] for sid in playing),
                       what="the playing students' thumbnails redrawn")
        dee = next(s for s in room.students if s.name == "Dee")
        room.send(dee, {"type": "play"})
        watch.wait_for(lambda: page.locator(f'.tile[data-session="{dee.session}"]')
                       .get_attribute("data-help") == "diverged", what="Dee shown as diverged")
        page.select_option("#sort", "help")
        assert page.locator(".tile-name").first.text_content() == "Dee"
        watch.wait_for(lambda: all(s["step"] and s["step"] > 200 for s in watch.last("board")["students"]
                                   if s["session"] in playing), what="some training to show")
        page.select_option("#sort", "joined")
        lessons = page.locator("#lesson-select option").all_text_contents()
        assert lessons[1] == "2. Two layers can" and not [l for l in lessons if "undefined" in l]
        save_shot(page, "board.png")
        # a lesson pushed from the board: every student's session takes it, the board counts
        page.select_option("#lesson-select", "two-layers")
        page.get_by_role("button", name="Push lesson to everyone").click()
        watch.wait_for(lambda: all((s.last.get("class") or {}).get("event") == "pushed"
                                   for s in room.students), what="every student told of the lesson")
        pushed = room.students[0].last["class"]["teacher_pushed"]
        assert pushed["lesson"]["id"] == "two-layers" and pushed["config"]["hidden_sizes"] == [100]
        assert all(s.last["config"]["config"]["activation"] == "relu" for s in room.students)
        watch.wait_for(lambda: page.locator("#lesson-progress").is_visible(), what="the lesson's progress")
        assert page.locator("#lesson-progress").text_content().startswith("Two layers can: ")
        assert not room.errors


def test_a_student_in_the_spotlight_sees_the_banner_and_the_teacher_s_run(board, context, server):
    page, watch, code = board
    # the teacher's own run: the playground opened from the board (same browser)
    mine = context.new_page()
    mine_watch = Watch(mine)
    mine.goto(f"{server}/?class={code}&teacher=1")
    mine_watch.wait_ready()
    teacher_session = mine_watch.last("hello")["session"]
    mine.get_by_role("button", name="Play").click()
    watch.wait_for(lambda: (watch.last("board") or {}).get("teacher_session") == teacher_session,
                   what="the board knows the teacher's run")

    student = context.new_page()
    student_watch = Watch(student)
    student.goto(f"{server}/?class={code}")
    student.locator("input[name=name]").fill("<i>Zoe</i>")
    student.get_by_role("button", name="Join", exact=True).click()
    student_watch.wait_for(lambda: student_watch.last("class"), what="joined the class")
    assert student.locator(".class-bar").text_content().endswith("<i>Zoe</i>")
    own = student_watch.last("class") and student.evaluate("window.nnpg.session")

    page.get_by_role("button", name="Spotlight my run").click()
    student_watch.wait_for(lambda: student.evaluate("window.nnpg.classroom.drawn") > 0,
                           what="the spotlit run drawn")
    state = student.evaluate("window.nnpg.classroom")
    assert state["spotlight"] == teacher_session and state["watching"] == teacher_session
    assert student.locator(".spotlight-banner").text_content() == \
        "Your teacher is showing their run (read-only)."
    assert student.locator(".spotlight").is_visible()
    # the frames on the student's page are the teacher's session's
    watched = [m for _, m in student_watch.received if m.get("type") == "hello"
               and m.get("role") == "viewer"]
    assert watched and watched[-1]["session"] == teacher_session
    student_watch.wait_for(lambda: student.evaluate(
        "Number(document.querySelector('.spotlight-stats').textContent.split(' ')[1])") > 400,
        what="the teacher's run going on")
    student_watch.wait_for(lambda: student.evaluate(
        "getComputedStyle(document.querySelector('#toast')).opacity === '0'"), what="the toast gone")
    save_shot(student, "spotlight.png")

    student.get_by_role("button", name="Make it mine").click()
    fork = student_watch.wait_for(lambda: student_watch.sent_of("fork"), what="fork sent")[-1]
    assert fork == {"type": "fork", "session": teacher_session}
    student_watch.wait_for(lambda: any(m.get("reset") for m in student_watch.received_of("config")),
                           what="the forked config")
    assert student.evaluate("window.nnpg.session") == own  # still the student's own session
    student_watch.wait_for(lambda: (student_watch.last("frame") or {}).get("step", 0) > 100,
                           what="the forked run at the teacher's step")
    assert not student.locator(".spotlight").is_visible()
    for p, w in ((mine, mine_watch), (student, student_watch)):
        assert not w.errors and not w.foreign_requests()
        p.close()
