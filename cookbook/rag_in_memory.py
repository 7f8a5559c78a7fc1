"""Retrieval-augmented generation over a text file, in memory.

    python cookbook/rag_in_memory.py [QUESTION] [--file FILE]

Splits the file (default: ``cookbook/data/cats.txt``) into paragraphs, embeds them with
``OpenAIEmbeddings`` into an ``InMemoryVectorStore``, and answers the question with LangChain's
RAG chain: ``{"context": retriever | format_docs, "question": RunnablePassthrough()} | prompt |
llm | StrOutputParser()``. On the emulator the vectors are deterministic hashes of the words
(texts sharing words are close), so retrieval really finds the paragraph about the question;
the answer to the default question is scripted (others are echoed).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from _backend import DATA, Emulator, run, say, section

from pipes import (
    ChatPromptTemplate,
    Document,
    InMemoryVectorStore,
    RunnablePassthrough,
    StrOutputParser,
)
from pipes_openai import ChatOpenAI, OpenAIEmbeddings

DEFAULT_QUESTION = "How many hours a day do cats sleep?"


def load_paragraphs(path: Path) -> list[Document]:
    """One document per paragraph (blank-line separated), with its source and position."""
    text = path.read_text(encoding="utf-8")
    paragraphs = [" ".join(p.split()) for p in text.split("\n\n") if p.strip()]
    return [
        Document(paragraph, metadata={"source": path.name, "paragraph": i})
        for i, paragraph in enumerate(paragraphs)
    ]


def format_docs(docs: list[Document]) -> str:
    return "\n\n".join(doc.page_content for doc in docs)


def main(emulator: Emulator | None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("question", nargs="?", default=DEFAULT_QUESTION)
    parser.add_argument("--file", type=Path, default=DATA / "cats.txt")
    args = parser.parse_args()

    docs = load_paragraphs(args.file)
    section(f"Indexing {len(docs)} paragraphs of {args.file.name}")
    embeddings = OpenAIEmbeddings(model="text-embedding-3-small", dimensions=256)
    vectorstore = InMemoryVectorStore.from_documents(docs, embeddings)
    print(f"{len(vectorstore)} vectors of {len(embeddings.embed_query('probe'))} dimensions")

    section(f"Retrieving for: {args.question}")
    retriever = vectorstore.as_retriever(search_kwargs={"k": 2})
    for doc in retriever.invoke(args.question):
        print(f"- [paragraph {doc.metadata['paragraph']}] {doc.page_content[:70]}...")

    section("Answering from the retrieved context")
    prompt = ChatPromptTemplate.from_messages(
        [
            (
                "system",
                "Answer the question using only this context. If it is not in the context, "
                "say you don't know.\n\n{context}",
            ),
            ("human", "{question}"),
        ]
    )
    llm = ChatOpenAI(model="gpt-4o-mini", temperature=0)
    rag_chain = (
        {"context": retriever | format_docs, "question": RunnablePassthrough()}
        | prompt
        | llm
        | StrOutputParser()
    )
    if args.question == DEFAULT_QUESTION:  # else the emulator echoes the question back
        say(emulator, "Cats sleep twelve to sixteen hours a day (kittens and old cats even more).")
    print(rag_chain.invoke(args.question))


if __name__ == "__main__":
    run(main)
