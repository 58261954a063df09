"""The answer eval's turns: everyday spoken questions with the keywords a right answer names
(any of them), and turns that are not questions with the words a fitting reply picks up.

The first twenty are the benches' ``EVERYDAY_QUESTIONS`` (bench/speech.py), in order.
``HELD_OUT``: turns added when the instructions were tuned (2026-11-30) and not looked at
while tuning them; report them apart (the hidden callers ask other questions than these).
"""

from __future__ import annotations

import dataclasses

from answer_checks import Turn

QUESTIONS: tuple[Turn, ...] = (
    Turn("What is the capital of France?", ("paris",)),
    Turn("How many days are in a week?", ("seven",)),
    Turn("What do bees make?", ("honey",)),
    Turn("Which planet is closest to the sun?", ("mercury",)),
    Turn("What is the opposite of hot?", ("cold",)),
    Turn("How many legs does a spider have?", ("eight",)),
    Turn("Name a famous museum in Paris.", ("louvre", "orsay", "pompidou", "rodin")),
    Turn("What color is the sky on a clear day?", ("blue",)),
    Turn(
        "Give me one tip for sleeping better.",
        (
            "routine",
            "schedule",
            "screen*",
            "caffeine",
            "dark*",
            "relax*",
            "regular*",
            "consistent*",
            "exercise",
            "quiet",
            "cool*",
            "same time",
            "bedtime",
            "phone*",
            "comfortable",
            "meditat*",
        ),
    ),
    Turn("What is two plus two?", ("four",)),
    Turn("What is the largest ocean?", ("pacific",)),
    Turn("How many minutes are in an hour?", ("sixty",)),
    Turn("What do cows drink?", ("water",)),
    Turn(
        "Name a fruit that is yellow.",
        ("banana*", "lemon*", "pineapple*", "mango*", "grapefruit", "starfruit", "papaya"),
    ),
    Turn("What is the boiling point of water?", ("hundred", "212")),
    Turn("Which animal is known as the king of the jungle?", ("lion",)),
    Turn("How many wheels does a bicycle have?", ("two",)),
    Turn("What language is spoken in Spain?", ("spanish", "castilian")),
    Turn(
        "Tell me a word that rhymes with cat.",
        ("bat", "hat", "mat", "rat", "sat", "fat", "pat", "chat", "flat", "vat", "spat", "gnat"),
    ),
    Turn("What season comes after winter?", ("spring",)),
    Turn("How many continents are there?", ("seven",)),
    Turn("What is the largest planet in our solar system?", ("jupiter",)),
    Turn("Who wrote Romeo and Juliet?", ("shakespeare",)),
    Turn("What is the chemical symbol for water?", ("h2o", "h two o")),
    Turn("How many hours are in a day?", ("twenty four",)),
    Turn("At what temperature does water freeze in Celsius?", ("zero", "0")),
    Turn("What is the tallest mountain in the world?", ("everest",)),
    Turn("What color are ripe bananas?", ("yellow",)),
    Turn("What is the capital of Japan?", ("tokyo",)),
    Turn("What is the capital of Italy?", ("rome",)),
    Turn("How many months are in a year?", ("twelve",)),
    Turn("What gas do plants take in from the air?", ("carbon dioxide", "co2")),
    Turn("What is the largest animal on Earth?", ("blue whale",)),
    Turn("What do you call a baby dog?", ("puppy", "pup")),
    Turn("What is ten minus three?", ("seven",)),
    Turn("What is five times six?", ("thirty",)),
    Turn("Which animal says moo?", ("cow", "cows", "cattle")),
    Turn("What is the opposite of up?", ("down",)),
    Turn("How many sides does a triangle have?", ("three",)),
    Turn("What is the capital of Germany?", ("berlin",)),
    Turn("What is the capital of the United Kingdom?", ("london",)),
    Turn("Which ocean lies between Europe and America?", ("atlantic",)),
    Turn("Which planet is the hottest in our solar system?", ("venus",)),
    Turn("Who painted the Mona Lisa?", ("leonardo", "vinci")),
    Turn("What is the main ingredient in guacamole?", ("avocado*",)),
    Turn("What do caterpillars turn into?", ("butterfly", "butterflies", "moth", "moths")),
    Turn("How many strings does a standard guitar have?", ("six",)),
    Turn("What is the largest country in the world by area?", ("russia",)),
    Turn("What is the longest river in the world?", ("nile", "amazon")),
    Turn("In which country are the pyramids of Giza?", ("egypt",)),
    Turn("What is the currency of Japan?", ("yen",)),
    Turn("What do you call frozen water?", ("ice",)),
    Turn("How many players does a soccer team have on the field?", ("eleven",)),
    Turn("What is the square root of nine?", ("three",)),
    Turn("What is the capital of Spain?", ("madrid",)),
    Turn(
        "Give me a word that means happy.",
        ("joyful", "glad", "cheerful", "content", "delighted", "pleased", "merry", "elated"),
    ),
    Turn("What color do you get when you mix blue and yellow?", ("green",)),
    Turn("Which bird is a symbol of peace?", ("dove", "doves")),
    Turn("How many legs does an insect have?", ("six",)),
    Turn("Name a primary color.", ("red", "blue", "yellow")),
)

STATEMENTS: tuple[Turn, ...] = (
    Turn(
        "Thank you so much for your help.",
        ("welcome", "glad", "pleasure", "anytime", "happy", "no problem"),
        "statement",
    ),
    Turn(
        "Thanks, that was really useful.",
        ("welcome", "glad", "pleasure", "anytime", "happy", "no problem"),
        "statement",
    ),
    Turn("Good morning!", ("morning", "hello", "hi", "help", "how are you"), "statement"),
    Turn(
        "I'm feeling a bit tired today.",
        ("rest*", "sleep*", "break", "tired", "relax*", "take care", "sorry to hear"),
        "statement",
    ),
    Turn("To be or not to be, that is the question.", ("hamlet", "shakespeare"), "statement"),
    Turn("I just got back from a trip to Rome.", ("rome", "trip", "italy"), "statement"),
    Turn("My favorite food is pizza.", ("pizza*",), "statement"),
    Turn("It's raining here today.", ("rain*", "umbrella", "indoors", "weather"), "statement"),
    Turn("Goodbye, talk to you later.", ("bye", "goodbye", "later", "take care"), "statement"),
    Turn("I'm learning to play the piano.", ("piano", "music*", "practic*"), "statement"),
    Turn("Tell me a joke.", (), "statement"),
    Turn("I love walking in the park with my dog.", ("dog*", "park*", "walk*"), "statement"),
)

_FITTING_THANKS = ("welcome", "glad", "pleasure", "anytime", "happy", "no problem")

HELD_OUT: tuple[Turn, ...] = tuple(
    dataclasses.replace(t, held_out=True)
    for t in (
        Turn("What is the capital of Canada?", ("ottawa",)),
        Turn("What color is grass?", ("green",)),
        Turn("Which animal barks?", ("dog", "dogs")),
        Turn("How many legs does a cow have?", ("four",)),
        Turn("What is the capital of Australia?", ("canberra",)),
        Turn("What do you use to cut paper?", ("scissors",)),
        Turn("What is the opposite of big?", ("small", "little", "tiny")),
        Turn("What is three plus five?", ("eight",)),
        Turn("Which planet do we live on?", ("earth",)),
        Turn("What do you call a baby cat?", ("kitten", "kittens", "kitty")),
        Turn("What is the first month of the year?", ("january",)),
        Turn("How many seconds are in a minute?", ("sixty",)),
        Turn("What fruit is wine made from?", ("grape*",)),
        Turn("What is the capital of Russia?", ("moscow",)),
        Turn("Who was the first president of the United States?", ("washington",)),
        Turn("What do spiders spin?", ("web*", "silk")),
        Turn("What color is snow?", ("white",)),
        Turn("How many sides does a square have?", ("four",)),
        Turn("What language do people speak in Brazil?", ("portuguese",)),
        Turn("What is the opposite of day?", ("night",)),
        Turn("Which animal has the longest neck?", ("giraffe*",)),
        Turn("What do you call a doctor for teeth?", ("dentist*",)),
        Turn("Which instrument has black and white keys?", ("piano*",)),
        Turn("What is the star at the center of our solar system?", ("sun",)),
        Turn(
            "Give me one tip for staying healthy.",
            (
                "exercise",
                "water",
                "sleep",
                "eat*",
                "vegetable*",
                "fruit*",
                "walk*",
                "diet",
                "active",
                "balanced",
                "hydrat*",
            ),
        ),
        Turn(
            "Name a vegetable that is orange.", ("carrot*", "pumpkin*", "sweet potato*", "squash")
        ),
        Turn("What is the capital of Egypt?", ("cairo",)),
        Turn("Which season is the coldest?", ("winter",)),
        Turn("What is twenty divided by four?", ("five",)),
        Turn("What do chickens lay?", ("egg", "eggs")),
        Turn(
            "I just finished a long run.",
            ("run*", "exercise", "workout", "congrat*", "well done", "rest*", "hydrat*", "water"),
            "statement",
        ),
        Turn(
            "My sister is getting married next week.",
            ("wedding", "married", "marriage", "congrat*", "sister"),
            "statement",
        ),
        Turn(
            "I can't find my keys.",
            ("key", "keys", "look*", "check*", "search*", "pocket*"),
            "statement",
        ),
        Turn("Hello, can you hear me?", ("yes", "hear", "hello", "hi"), "statement"),
        Turn("Thanks a lot, you've been very helpful.", _FITTING_THANKS, "statement"),
        Turn(
            "I'm going to bed now, good night.",
            ("good night", "night", "sleep*", "rest", "dream*"),
            "statement",
        ),
        Turn(
            "All the world's a stage.",
            ("shakespeare", "stage*", "play*", "as you like it"),
            "statement",
        ),
        Turn(
            "I'm nervous about my job interview.",
            ("interview*", "nervous", "good luck", "prepar*", "confiden*"),
            "statement",
        ),
    )
)

TURNS: tuple[Turn, ...] = QUESTIONS + STATEMENTS + HELD_OUT
