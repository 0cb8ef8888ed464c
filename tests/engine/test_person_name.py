"""A person's name is read once per distinct text (a year repeats it); what is taken and what is
refused is the same whether the text was seen before or not."""
import pytest

from engine.errors import InputError
from engine.validate import person_name

TAKEN = {"张三": "张三", " 买买提·艾力 ": "买买提·艾力", "John Smith": "John Smith", "李〇": "李〇", "欧阳" * 15: "欧阳" * 15}
REFUSED = ["", "   ", "·", "· ·", "张三1", "张" * 31, "张\n三", "张\u200b三", "张三!", "\ud800张"]


@pytest.mark.parametrize("text", list(TAKEN))
def test_a_name_is_taken_trimmed_every_time(text):
    assert person_name(text, "person.name") == TAKEN[text]
    assert person_name(text, "person.name") == TAKEN[text]


@pytest.mark.parametrize("text", REFUSED)
def test_a_bad_name_is_refused_every_time(text):
    for _ in range(2):
        with pytest.raises(InputError) as caught:
            person_name(text, "person.name")
        assert caught.value.field == "person.name"


@pytest.mark.parametrize("value", [None, 3, ["张三"]])
def test_a_name_that_is_not_text_is_refused(value):
    with pytest.raises(InputError):
        person_name(value, "person.name")
