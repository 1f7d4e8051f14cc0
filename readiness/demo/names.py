"""Azerbaijani (and a few Russian) personal names for the demo force."""

from __future__ import annotations

MALE_GIVEN: tuple[str, ...] = (
    "Elçin", "Rauf", "Anar", "Tural", "Orxan", "Rəşad", "Elvin", "Kamran", "Ramil", "Vüqar",
    "Fərid", "Səbuhi", "Nicat", "Ceyhun", "Elnur", "Emin", "Zaur", "Samir", "Rüstəm", "İlkin",
    "Ülvi", "Şahin", "Tofiq", "Müşfiq", "Elşən", "Namiq", "Cavid", "Əli", "Hüseyn", "Mübariz",
    "Fuad", "Vüsal", "Rövşən", "Eldar", "Murad", "Şamil", "Qəhrəman", "Natiq", "Azər", "Toğrul",
    "Kənan", "Həsən", "Yusif", "Çingiz", "Babək", "Səməd", "Xəyyam", "Aqil", "Polad", "Teymur",
    "Nurlan", "Mətin", "Ruslan", "Sənan", "Seymur", "Elmir", "Rasim", "Vasif", "Mirzə", "Əkbər",
    "Ələsgər", "Cəlal", "Faiq", "Qabil", "İsmayıl", "İlqar", "Oqtay", "Pərviz", "Sahib", "Ülfət",
    "Vaqif", "Zahid", "Rəhim", "Etibar", "Cəmil", "Hikmət", "Xəlil", "Şəhriyar", "İbrahim",
    "Ağasəlim",
)

FEMALE_GIVEN: tuple[str, ...] = (
    "Aynur", "Günel", "Leyla", "Nərmin", "Aysel", "Səbinə", "Könül", "Ülkər", "Şəbnəm", "Nigar",
    "Xədicə", "Gülnar", "Aytən", "Fidan", "Lalə", "Türkan", "Sevinc", "Zəhra", "İradə", "Çinarə",
    "Ləman", "Rəna", "Gülşən", "Məleykə",
)

# Masculine forms; the feminine adds "a" (Məmmədov → Məmmədova).
FAMILY_GENDERED: tuple[str, ...] = (
    "Məmmədov", "Əliyev", "Hüseynov", "Quliyev", "Həsənov", "Rzayev", "İsmayılov", "Şükürov",
    "Çələbiyev", "Cəfərov", "Bağırov", "Ağayev", "Orucov", "Nağıyev", "Abdullayev", "Qasımov",
    "Kərimov", "Səfərov", "Musayev", "Babayev", "Vəliyev", "Rəhimov", "Mustafayev", "Nəsirov",
    "Hacıyev", "Sadıqov", "Əhmədov", "Məlikov", "Zeynalov", "Süleymanov", "Qurbanov",
    "İbrahimov", "Xəlilov", "Əsgərov", "Hümbətov", "Allahverdiyev", "Əzizov", "Heydərov",
    "Salmanov", "Paşayev", "Tağıyev", "Novruzov", "Şirinov", "Yusifov", "Mirzəyev", "Bayramov",
    "Hətəmov", "Qədirov", "Ömərov", "Göyüşov",
)

# The same for men and women.
FAMILY_INVARIANT: tuple[str, ...] = (
    "Süleymanlı", "Əlizadə", "Rəsulzadə", "Qarabağlı", "Şahbazlı", "Məmmədli", "Hüseynli",
    "Cəfərli", "Gəncəli", "Şuşalı",
)

# Patronymics: the father's given name, then "son of" or "daughter of".
SON, DAUGHTER = "oğlu", "qızı"

# (family name, given name, patronymic): citizens whose records are kept in Cyrillic.
CYRILLIC: tuple[tuple[str, str, str], ...] = (
    ("Петров", "Алексей", "Сергеевич"),
    ("Козлова", "Марина", "Викторовна"),
    ("Бондаренко", "Игорь", "Николаевич"),
)

# Azerbaijani letters spelled as in official English transliteration, for e-mail addresses.
ASCII: dict[str, str] = {
    "ə": "a", "Ə": "a", "ğ": "g", "Ğ": "g", "ı": "i", "İ": "i", "ş": "sh", "Ş": "sh",
    "ç": "ch", "Ç": "ch", "ö": "o", "Ö": "o", "ü": "u", "Ü": "u", "x": "kh", "q": "g",
}
