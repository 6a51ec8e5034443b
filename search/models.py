"""Synonyms the shop owner keeps in the admin (Pencarian > Sinonim): words buyers use for the same thing."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .text import TERM


class Synonym(models.Model):
    """One group of words that mean the same to a buyer, e.g. "hijab, jilbab, kerudung"."""

    words = models.CharField(
        _("kata-kata"),
        max_length=255,
        help_text=_(
            "Pisahkan dengan koma, misalnya: hijab, jilbab, kerudung. Pencarian salah satunya menemukan semuanya."
        ),
    )
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    class Meta:
        ordering = ["words"]
        verbose_name = _("sinonim")
        verbose_name_plural = _("sinonim")

    def __str__(self):
        return ", ".join(self.word_list())

    def word_list(self):
        """The group's words, lower case, each once, in the order the owner wrote them."""
        seen = []
        for part in self.words.split(","):
            word = " ".join(TERM.findall(part.lower()))
            if word and word not in seen:
                seen.append(word)
        return seen

    def clean(self):
        if len(self.word_list()) < 2:
            raise ValidationError({"words": _("Tulis paling sedikit dua kata yang dipisahkan koma.")})
