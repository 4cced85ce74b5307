"""What people read: the languages we write, the refusal catalogue, and how values are shown.

One place for every surface (staff pages, the client's pages, mails, the activity history):
`languages` negotiates the reader's language, `catalogue` turns a refusal's stable code and
parameters into a sentence, `formats` writes sizes, dates, times, file types and counts.
"""
